import { defineConfig } from '@playwright/test';
import base from './playwright.config.ts';

// The end-to-end call spec, kept out of the default run: it needs media-relay running beside devstack.
export default defineConfig({ ...base, testMatch: '*.pipeline.ts' });
