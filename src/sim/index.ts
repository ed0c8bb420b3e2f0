// The market simulator's public surface: the simulator itself, its options, the universe and the
// scenario names. Everything else in src/sim is internal to the simulator.
export { MarketSimulator, type ScenarioInfo, type SimEvent } from './market-simulator.js';
export { DEFAULT_START_NS, type ResolvedSimulatorOptions, type SimulatorOptions } from './simulator-options.js';
export { type InstrumentSpec, UNIVERSE, findInstrument, instrumentFrames } from './instruments.js';
export { SCENARIO_NAMES, type ScenarioName } from './scenarios.js';
export { TRADER_LIMITS, traderName } from './traders.js';
