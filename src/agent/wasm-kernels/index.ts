// Public entry: WebAssembly gradient kernels that let tfjs's 'wasm' backend train conv nets.
// Call after '@tensorflow/tfjs-backend-wasm' has been imported (its own kernel registrations
// run at import time and would otherwise replace ours).
export { registerWasmTrainingKernels, type RegisterOptions, type RegisteredKernels } from './register';
export { TrainKernels, type ConvGeometry, type WasmSource } from './module';
