// tickwave/client: the typed consumer of a tickwave server, for Node and browsers. Decodes the
// binary FlatBuffers feed into the JSON form of every message (decodeFrame), connects to the
// WebSocket feeds (TickwaveFeed) and calls the HTTP API (TickwaveApi). The dashboard imports this
// very module; nothing here may import from node:.
export { decodeFrame, isTickwaveFrame, FrameDecodeError, type DecodeOptions } from './decode.js';
export {
  TickwaveFeed, feedUrl, closeKind, CloseCode, type FeedOptions, type FeedEndpoint, type FeedClose, type FeedState,
  type CloseKind, type ControlReply, type SubscriptionRequest, type WebSocketConstructor, type WebSocketLike,
} from './feed.js';
export {
  TickwaveApi, TickwaveHttpError, type ApiOptions, type BookLevel, type BookSnapshot, type OrderRequest, type PolicyRequest,
  type ScenarioName, type ServerStats,
} from './api.js';
export * from './messages.js';
