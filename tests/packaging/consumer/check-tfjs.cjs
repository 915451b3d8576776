// A rule checked through TF.js with the adapter's published engine, from CommonJS, after the
// consumer installed the adapter itself: the engine's adapter must be that very object.
require('@tensorflow/tfjs');
const { installAdapter } = require('@chainrules/core');
const { tfjsAdapter } = require('@chainrules/tfjs');
const { tfjsEngine } = require('@chainrules/tfjs/testing');
const { f64, testRrule } = require('@chainrules/testing');
const { foo } = require('@chainrules/testing/fixtures');

installAdapter(tfjsAdapter);
const report = testRrule(foo, [f64([1, 2]), 3], { kwargs: { c: 4 }, engine: tfjsEngine });
console.log(tfjsEngine.adapter === tfjsAdapter, report.checks.filter((check) => check.startsWith('the engine ran')).join());
