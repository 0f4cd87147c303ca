// Removes the temp root of the run (see global-setup.js).
const { rmSync } = require("node:fs");

module.exports = async () => {
  const root = process.env.BLUEGREEN_TEST_TMP_ROOT;
  if (root) rmSync(root, { recursive: true, force: true });
};
