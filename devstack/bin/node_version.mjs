// Plain JavaScript, so that an old Node can still run it and say why it cannot go on.
export const MIN_NODE_MAJOR = 24;

/** null when `version` (e.g. "24.21.0") is new enough, else the sentence to print. */
export function nodeVersionProblem(version, execPath) {
  const major = Number(String(version).split('.')[0]);
  if (major >= MIN_NODE_MAJOR) return null;
  return (
    `Call Me Back needs Node ${MIN_NODE_MAJOR} or newer, but this is Node v${version} (${execPath}).\n` +
    `Run it through npm (npm start, npm test, npm run ...): npm puts the pinned Node ${MIN_NODE_MAJOR} from ` +
    `node_modules/.bin first on PATH. If node_modules is missing, run "npm install" first.`
  );
}
