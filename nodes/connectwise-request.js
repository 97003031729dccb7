module.exports = require('../dist/nodes/connectwise-request').default;
