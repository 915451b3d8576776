import { runSeed } from './run';

runSeed();
