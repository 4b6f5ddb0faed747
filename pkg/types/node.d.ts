// Node.js entry point: the module is ready on import, no init call.
export * from "./api.js";
