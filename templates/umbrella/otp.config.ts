import { defineConfig } from '@otp-ts/cli';

/** How otp builds, tests and releases the umbrella; add each new app under apps/ to the release. */
export default defineConfig({
  releases: {
    '{{name}}': { version: '0.1.0', applications: ['{{name}}'] },
  },
  profiles: {
    prod: { build: { minify: true } },
  },
  test: { paths: ['apps/*/test'] },
});
