// PLACEHOLDER: the strata CLI's entry (replaced by the CLI work).
console.error('strata: not built yet');
process.exit(1);
