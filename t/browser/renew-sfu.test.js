'use strict';

/* renew.test.js through Janus (renew-sfu.setup.sh sets the SFU mode) */

require('./renew.test.js');
