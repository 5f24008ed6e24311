/**
 * The flags a worker thread shares with the main thread about the seed it runs (an Int32Array
 * over a SharedArrayBuffer): what the main thread still knows when the worker never answers.
 */
/** 1 once the seed itself starts (its wall budget counts from here). */
export const STARTED_SLOT = 0;
/** 1 once a process of the seed reached a store through the GCS adapter (a lost seed replays with it). */
export const ADAPTER_SLOT = 1;
export const SEED_FLAG_SLOTS = 2;
