#!/usr/bin/env node
/** The CDK CLI's entry point (cdk.json "app"): `npm run synth`, `npx cdk deploy --all`. */
import { createApp } from './createApp.js';

createApp().app.synth();
