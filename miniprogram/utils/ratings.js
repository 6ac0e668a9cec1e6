// A centre's published 好差评 as the page shows it, free of the WeChat runtime (tested under Node).

/** Lines for the centre page: counts always, rates only when the backend publishes them. */
function ratingLines(ratings) {
  const lines = [`评价数：${ratings.total} 条`, `好评率：${ratings.good_rate_text}`,
                 `差评整改率：${ratings.rectification_text}`];
  return lines.concat(ratings.items.map((i) => `${i.name}：${i.good_rate_text}（${i.total} 条）`));
}

module.exports = { ratingLines };
