// A policy found for the citizen (a 政策提醒 message opens this page): the 免申即享 steps, and for an open
// match the one confirmation it needs — the payout account — or 不需要.
const { api, showError } = require("../../utils/api.js");
const { fieldMessages, policyMatchView } = require("../../utils/format.js");

Page({
  data: { match: null, form: null, phone: "", note: "", accountName: "", bank: "", accountNumber: "", fields: {},
          done: "", error: "" },
  onLoad(query) { this.id = query.id; this.load(); },
  load() {
    return api.get(`/api/v1/policy-matches/${this.id}`).then((data) => {
      const match = policyMatchView(data.matches[0]);
      this.setData({ match, error: "" });
      // 快申快享: the application comes prefilled; only the contact phone, a note and the account are asked.
      if (match.canApply) {
        return api.get(`/api/v1/policy-matches/${this.id}/form`).then((form) => this.setData({ form }));
      }
      return this.setData({ form: null });
    }, (error) => showError(this, error));
  },
  onPhone(event) { this.setData({ phone: event.detail.value }); },
  onNote(event) { this.setData({ note: event.detail.value }); },
  payout() {
    // A business's grant goes only to the business's account on record; a person's to their own account.
    if (this.data.match && this.data.match.business) return {};
    return { account_name: this.data.accountName, bank: this.data.bank, account_number: this.data.accountNumber };
  },
  apply() {
    const body = this.payout();
    if (this.data.phone) body.phone = this.data.phone;
    if (this.data.note) body.note = this.data.note;
    return api.post(`/api/v1/policy-matches/${this.id}/apply`, body).then((grant) => {
      this.setData({ done: `申请已提交，办件号${grant.reference}，${grant.status_name}`, fields: {} });
      return this.load();
    }, (error) => { this.setData({ fields: fieldMessages(error) }); showError(this, error); });
  },
  onAccountName(event) { this.setData({ accountName: event.detail.value }); },
  onBank(event) { this.setData({ bank: event.detail.value }); },
  onAccountNumber(event) { this.setData({ accountNumber: event.detail.value }); },
  confirm() {
    const body = this.payout();
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
