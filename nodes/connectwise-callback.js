module.exports = require('../dist/nodes/connectwise-callback').default;
