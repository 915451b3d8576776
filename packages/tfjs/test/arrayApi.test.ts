import '@tensorflow/tfjs';
import { describeArrayApiConformance } from '@chainrules/testing/conformance';
import { tfjsApi } from '../src/index';
import { read } from './support/engine';

describeArrayApiConformance('tfjs', tfjsApi, { read, rtol: 1e-5, atol: 1e-5 });
