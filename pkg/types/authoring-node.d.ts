// Node.js entry point of the authoring module: ready on import, no init call.
export * from "./authoring.js";
