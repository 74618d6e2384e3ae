// PLACEHOLDER: strata-lifecycled's entry (replaced by the lifecycle work).
console.error('strata-lifecycled: not built yet');
process.exit(1);
