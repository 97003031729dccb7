module.exports = require('../dist/nodes/connectwise-poll').default;
