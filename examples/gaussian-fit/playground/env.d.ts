/// <reference lib="dom" />
/// <reference path="../../../tools/backends/assets.d.ts" />
