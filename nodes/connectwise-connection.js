module.exports = require('../dist/nodes/connectwise-connection').default;
