// The settings every instance runs with: the same flows file and the same credential secret, so
// each instance deploys the same nodes (with the same ids: the poll leases and the callback
// repeat window are keyed by them) and can read the connection's credentials.
module.exports = {
  flowFile: '/data/flows/flows.json',
  credentialSecret: process.env.NODE_RED_CREDENTIAL_SECRET,
  uiPort: 1880,
};
