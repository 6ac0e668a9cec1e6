// A centre: opening hours and its published 好差评 (last 90 days).
const { api, showError } = require("../../utils/api.js");
const { ratingLines } = require("../../utils/ratings.js");
const { queueLines } = require("../../utils/queue.js");
const { hoursLines } = require("../../utils/format.js");

Page({
  data: { centre: null, hours: [], period: "", lines: [], definition: "", queue: [], queueLoaded: false, error: "",
          fieldErrors: {} },
  onLoad(query) {
    this.id = query.id;
    this.loadQueue();
    Promise.all([api.get(`/api/v1/centres/${query.id}`), api.get(`/api/v1/centres/${query.id}/ratings`)])
      .then(([centre, ratings]) => this.setData({ centre, hours: hoursLines(centre.opening_hours), period: ratings.period,
                                                  lines: ratingLines(ratings),
                                                  definition: ratings.definition }),
            (error) => showError(this, error));
  },
  // 现在排队: before setting off, how long the wait is at each window (刷新 asks again).
  loadQueue() {
    return api.get(`/api/v1/centres/${this.id}/queue`)
      .then((queue) => this.setData({ queue: queueLines(queue), queueLoaded: true }), (error) => showError(this, error));
  },
});
