// A policy found for the citizen (a 政策提醒 message opens this page): the 免申即享 steps, and for an open
// match the one confirmation it needs — the payout account — or 不需要.
const { api, showError } = require("../../utils/api.js");
const { fieldMessages, policyMatchView } = require("../../utils/format.js");

Page({
  data: { match: null, accountName: "", bank: "", accountNumber: "", fields: {}, done: "", error: "" },
  onLoad(query) { this.id = query.id; this.load(); },
  load() {
    return api.get(`/api/v1/policy-matches/${this.id}`).then(
      (data) => this.setData({ match: policyMatchView(data.matches[0]), error: "" }), (error) => showError(this, error));
  },
  onAccountName(event) { this.setData({ accountName: event.detail.value }); },
  onBank(event) { this.setData({ bank: event.detail.value }); },
  onAccountNumber(event) { this.setData({ accountNumber: event.detail.value }); },
  confirm() {
    const body = { account_name: this.data.accountName, bank: this.data.bank, account_number: this.data.accountNumber };
    return api.post(`/api/v1/policy-matches/${this.id}/confirm`, body).then((grant) => {
      this.setData({ done: `已确认，办件号${grant.reference}，${grant.status_name}`, fields: {} });
      return this.load();
    }, (error) => { this.setData({ fields: fieldMessages(error) }); showError(this, error); });
  },
  decline() {
    return api.post(`/api/v1/policy-matches/${this.id}/decline`, {}).then(() => this.load(),
                                                                         (error) => showError(this, error));
  },
});
