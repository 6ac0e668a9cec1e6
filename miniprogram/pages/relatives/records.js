// 亲友代办 (查看办件与证照): an authorised relative's appointments, cases, licences and 电子证照, read-only and masked
// as the API returns them. Reached from 亲友代办 (查看记录) for an authorisation in force with the view scope; when
// the authorisation has ended or does not grant viewing, the page says so in plain words instead.
const { api } = require("../../utils/api.js");
const { recordsView, refusalText } = require("../../utils/relatives.js");

Page({
  data: { name: "", loaded: false, ended: "", appointments: [], cases: [], licences: [], certificates: [],
          elder: false, error: "" },
  onLoad(query) {
    this.id = query.id;
    this.setData({ name: query.name ? decodeURIComponent(query.name) : "", elder: Boolean(getApp().globalData.elder) });
  },
  onShow() { return this.load(); },
  load() {
    return Promise.all([api.get(`/api/v1/relatives/${this.id}/appointments`),
                        api.get(`/api/v1/relatives/${this.id}/applications`),
                        api.get(`/api/v1/relatives/${this.id}/licences`),
                        api.get(`/api/v1/relatives/${this.id}/certificates`)])
      .then(([appointments, applications, licences, certificates]) => this.setData(Object.assign(
        { loaded: true, ended: "", error: "" },
        recordsView(appointments, applications, licences, certificates))),
      (error) => this.setData({ loaded: true, appointments: [], cases: [], licences: [], certificates: [],
                                ended: refusalText(error, this.data.name) }));
  },
});
