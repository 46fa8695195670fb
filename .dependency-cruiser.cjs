/**
 * Import rules of the project (see docs/architecture.md). `npm run check:imports` fails on any violation.
 * The protocol core is shared/e4 minus its two adapter folders: node/ (node:crypto engine, file store) and
 * mqtt/ (the MQTT.js device helper).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'e4-core-imports-only-noble',
      comment: 'The protocol core runs in browsers and edge runtimes: it imports only its own files and @noble/*.',
      severity: 'error',
      from: { path: '^shared/e4/', pathNot: '^shared/e4/(node|mqtt)/' },
      to: { pathNot: '^(shared/e4/|node_modules/@noble/)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'e4-core-not-into-adapters',
      comment: 'The core never reaches into its Node or MQTT adapters.',
      severity: 'error',
      from: { path: '^shared/e4/', pathNot: '^shared/e4/(node|mqtt)/' },
      to: { path: '^shared/e4/(node|mqtt)/' },
    },
    {
      name: 'e4-imports-nothing-else-of-the-project',
      comment: 'shared/e4 (adapters included) imports nothing of the project outside shared/e4.',
      severity: 'error',
      from: { path: '^shared/e4/' },
      to: { path: '^(shared/(?!e4/)|functions/|infra/|local/|cli/|web/|proxy/|test/)' },
    },
    {
      name: 'e4-package-dependencies',
      comment:
        'shared/e4 is the package e4c2 (shared/e4/package.json): it imports only the packages it declares, ' +
        '@noble/*, its optional peer mqtt and (its Node adapter, loaded at run time) the optional sodium-native.',
      severity: 'error',
      from: { path: '^shared/e4/' },
      to: { path: '^node_modules/', pathNot: '^node_modules/(@noble/(ciphers|curves|hashes)|mqtt)/' },
    },
    {
      name: 'c2-no-sdk',
      comment: 'The C2 domain imports shared/e4 and its own files, never an SDK or an adapter.',
      severity: 'error',
      from: { path: '^shared/c2/' },
      to: { pathNot: '^(shared/c2/|shared/e4/|node_modules/(zod|@noble)/)' },
    },
    {
      name: 'adapters-aws-not-local',
      severity: 'error',
      from: { path: '^shared/adapters/aws/' },
      to: { path: '^shared/adapters/local/' },
    },
    {
      name: 'adapters-local-not-aws',
      severity: 'error',
      from: { path: '^shared/adapters/local/' },
      to: { path: '^shared/adapters/aws/' },
    },
    {
      name: 'nothing-imports-local',
      comment:
        'local/ is the composition root of `npm start` (it may import functions/, shared/c2 and shared/adapters/*): ' +
        'shared/ and functions/ never depend on it.',
      severity: 'error',
      from: { path: '^(shared|functions)/' },
      to: { path: '^local/' },
    },
    {
      name: 'cli-talks-http-only',
      comment:
        'The operator CLI reaches the C2 through its HTTP API only: it may use the device library (ids, keygen, ' +
        '`e4c2 device`) and run the protection proxy (proxy/, `e4c2 proxy`), but none of the server code.',
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: '^(shared/(?!e4/)|functions/|infra/|local/|web/)' },
    },
    {
      name: 'cli-runs-the-proxy-by-its-entry',
      comment:
        '`e4c2 proxy` starts the protection proxy through its entry points only (startProxy, its configuration).',
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: '^proxy/', pathNot: '^proxy/(startProxy|config/(ProxyConfig|ProxyConfigError))\\.ts$' },
    },
    {
      name: 'proxy-imports-the-device-library-only',
      comment:
        'The protection proxy (proxy/) is built on the device library (shared/e4) and npm libraries (aedes, mqtt, ' +
        'yaml, zod): nothing else of the project.',
      severity: 'error',
      from: { path: '^proxy/' },
      to: { path: '^(shared/(?!e4/)|functions/|infra/|local/|cli/|web/)' },
    },
    {
      name: 'cli-is-its-own',
      comment: 'Nothing imports the CLI, but local mode may write its profile (cli/config/) on its first start.',
      severity: 'error',
      from: { pathNot: '^(cli|test|examples)/' },
      to: { path: '^cli/', pathNot: '^cli/config/' },
    },
    {
      name: 'examples-share-only-the-device',
      comment:
        'The demo device (examples/device.ts) shares the device files of `e4c2 device` (cli/device/) and reads the ' +
        "CLI's profiles (cli/config/), nothing else of the CLI.",
      severity: 'error',
      from: { path: '^examples/' },
      to: {
        path: '^cli/',
        pathNot:
          '^cli/(device/(deviceEnrolment|newDeviceIdentity|connectDevice)|config/(configFile|resolveConnection))\\.ts$',
      },
    },
    {
      name: 'web-is-a-browser-app',
      comment:
        'The web UI (web/src) talks to the C2 through its HTTP API only, typed by its own copy of the OpenAPI types ' +
        '(web/src/api/openapi.d.ts): it imports neither the CLI nor shared/c2 nor any server code, and of npm only ' +
        'preact and openapi-fetch (its bundle budget: docs/web-ui.md).',
      severity: 'error',
      from: { path: '^web/src/' },
      to: { pathNot: '^(web/src/|node_modules/(preact|openapi-fetch)/)' },
    },
    {
      name: 'nothing-imports-web',
      comment:
        'The web UI is built by Vite and served as files (local/serveWebUi.ts): no code of the project imports it.',
      severity: 'error',
      from: { pathNot: '^web/' },
      to: { path: '^web/' },
    },
    {
      name: 'proxy-is-run-by-the-cli',
      comment: 'The protection proxy is started by `e4c2 proxy` (and the tests): nothing else imports it.',
      severity: 'error',
      from: { pathNot: '^(cli|test|proxy)/' },
      to: { path: '^proxy/' },
    },
    {
      name: 'infra-no-runtime-code',
      severity: 'error',
      from: { path: '^infra/' },
      to: { path: '^(shared|functions|local|cli|web|proxy)/' },
    },
    {
      name: 'nothing-imports-tests',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // the device library's build output (npm run build), the CLI's bundle (npm pack -w cli), the web UI's build
    exclude: { path: '^((shared/e4|cli)/dist|web/(dist|\\.dist-[^/]*))/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
