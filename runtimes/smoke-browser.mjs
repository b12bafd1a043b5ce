// Entry for the browser bundle: runs the smoke suite and publishes the result on window.
import { runSmoke } from './smoke.mjs';

runSmoke(`chromium ${navigator.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? ''}`).then(
  (r) => {
    window.__smoke = r;
  },
  (e) => {
    window.__smoke = {
      runtime: 'chromium',
      backend: {},
      passed: [],
      failed: [['runner', String(e)]],
    };
  },
);
