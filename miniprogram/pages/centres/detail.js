// A centre: opening hours and its published 好差评 (last 90 days).
const { api, showError } = require("../../utils/api.js");
const { ratingLines } = require("../../utils/ratings.js");

Page({
  data: { centre: null, period: "", lines: [], definition: "", error: "", fieldErrors: {} },
  onLoad(query) {
    Promise.all([api.get(`/api/v1/centres/${query.id}`), api.get(`/api/v1/centres/${query.id}/ratings`)])
      .then(([centre, ratings]) => this.setData({ centre, period: ratings.period, lines: ratingLines(ratings),
                                                  definition: ratings.definition }),
            (error) => showError(this, error));
  },
});
