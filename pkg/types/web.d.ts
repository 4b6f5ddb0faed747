// Browser / bundler entry point: initialise the WebAssembly module once before using `Policy`.
export * from "./api.js";

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/** Fetches (or takes) the module and instantiates it; resolves once `Policy` can be used. */
export default function init(moduleOrPath?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<unknown>;

/** Instantiates synchronously from already-loaded bytes or a compiled module. */
export function initSync(module: { module: BufferSource | WebAssembly.Module } | BufferSource | WebAssembly.Module): unknown;
