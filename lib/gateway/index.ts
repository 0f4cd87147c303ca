/** The embedded APISIX-compatible gateway: control plane (store, Admin API, state file) and start-up. */
export { startGateway, isLoopbackHost } from "./gateway";
export type { GatewayOptions, RunningGateway } from "./gateway";
export { GatewayStore } from "./store";
export type { StoreEntry, StoreState, StoreOptions, WriteOutcome, RemoveOutcome } from "./store";
export { createAdminHandler } from "./admin-api";
export type { AdminApiOptions, AdminHandler } from "./admin-api";
export { loadStateFile, saveStateFile, StateFileError, STATE_FILE_FORMAT } from "./state-file";
export type { ConfigSource, GatewayConfig, ConfigObject } from "./config-snapshot";
