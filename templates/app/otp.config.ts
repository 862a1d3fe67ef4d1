import { defineConfig } from '@otp-ts/cli';

/** How otp builds, tests and releases {{name}}; every key is optional (docs/cli.md of otp-ts). */
export default defineConfig({
  releases: {
    '{{name}}': { applications: ['{{name}}'] },
  },
  profiles: {
    prod: { build: { minify: true } },
  },
  test: { paths: ['test'] },
});
