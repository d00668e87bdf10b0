// Runs a group of Node-side checks alone (`node lib-checks.mjs`,
// `node draw-checks.mjs`): prints ok / FAIL per check and the closing
// "N passed, N failed" line, and exits non-zero when any failed.

export async function runStandalone(checks) {
    let passed = 0;
    let failed = 0;
    await checks(async (name, fn) => {
        try {
            await fn();
            passed++;
            console.log('ok   - ' + name);
        } catch (e) {
            failed++;
            console.log('FAIL - ' + name + ': ' + e.message);
        }
    });
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
}
