import { describeAdapterConformance } from '@chainrules/testing/conformance';
import { tfjsEngine } from './support/engine';

// TF.js has no forward mode; everything else (second and third order included) must pass.
describeAdapterConformance(tfjsEngine, { cannot: ['forward'], rtol: 1e-4, atol: 1e-5 });
