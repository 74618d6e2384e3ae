// Stands in for react-devtools-core in the bundled workbench (dist/ui.mjs):
// Ink imports it only when DEV is set, and it is not a dependency of ours.
export function connectToDevTools(): void {}
export default { connectToDevTools };
