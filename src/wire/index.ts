// tickwave's wire format: the schema's generated classes, the verifier, edge codecs, frame header.
export * from './generated/index.js';
export { MessageType, MESSAGE_TYPE_NAMES, FILE_IDENTIFIER, type MessageTypeName } from './layout.generated.js';
export { Verifier, VerifyError, describeRejection, DEFAULT_MAX_FRAME_BYTES, type Verdict, type Rejection, type Acceptance } from './verifier.js';
export { encode, decode, toTicks, fromTicks, PRICE_SCALE, type Decoded, type MessageBody } from './codec.js';
export * from './frame-header.js';
export { WireBuffer } from './wire-buffer.js';
export { WireBuilder } from './wire-builder.js';
