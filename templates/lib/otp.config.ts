import { defineConfig } from '@otp-ts/cli';

/** How otp builds and tests {{name}}; every key is optional (docs/cli.md of otp-ts). */
export default defineConfig({
  test: { paths: ['test'] },
});
