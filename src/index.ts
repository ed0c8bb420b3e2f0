// tickwave: the embeddable API. Today: the wire format (schema classes, verifier, codecs, frame
// header). The runtime, kernels and jobs are exported here as they land.
export * from './wire/index.js';
export { VERSION } from './version.js';
