/**
 * The structure the SARIF 2.1.0 schema (OASIS, sarif-schema-2.1.0.json) requires of the objects
 * `wpha lint --format sarif` writes: the log (version, runs), a run's tool.driver (name, rules),
 * reporting descriptors (id, message strings), results (message, level, ruleId/ruleIndex
 * agreeing with the driver's rules, locations with a physical location and a region of 1-based
 * lines and columns), and no property the schema does not define on those objects. Returns the
 * problems found (empty when the log conforms). The tests run it; it is no substitute for the
 * full schema, which it follows for these objects only.
 */

type Json = Record<string, unknown>;

const LOG_KEYS = ['$schema', 'version', 'runs', 'inlineExternalProperties', 'properties'];
const RUN_KEYS = [
  'tool',
  'invocations',
  'conversion',
  'language',
  'versionControlProvenance',
  'originalUriBaseIds',
  'artifacts',
  'logicalLocations',
  'graphs',
  'results',
  'automationDetails',
  'runAggregates',
  'baselineGuid',
  'redactionTokens',
  'defaultEncoding',
  'defaultSourceLanguage',
  'newlineSequences',
  'columnKind',
  'externalPropertyFileReferences',
  'threadFlowLocations',
  'taxonomies',
  'addresses',
  'translations',
  'policies',
  'webRequests',
  'webResponses',
  'specialLocations',
  'properties',
];
const DRIVER_KEYS = [
  'guid',
  'name',
  'organization',
  'product',
  'productSuite',
  'shortDescription',
  'fullDescription',
  'fullName',
  'version',
  'semanticVersion',
  'dottedQuadFileVersion',
  'releaseDateUtc',
  'downloadUri',
  'informationUri',
  'globalMessageStrings',
  'notifications',
  'rules',
  'taxa',
  'locations',
  'language',
  'contents',
  'isComprehensive',
  'localizedDataSemanticVersion',
  'minimumRequiredLocalizedDataSemanticVersion',
  'associatedComponent',
  'translationMetadata',
  'supportedTaxonomies',
  'properties',
];
const RULE_KEYS = [
  'id',
  'deprecatedIds',
  'guid',
  'deprecatedGuids',
  'name',
  'deprecatedNames',
  'shortDescription',
  'fullDescription',
  'messageStrings',
  'defaultConfiguration',
  'helpUri',
  'help',
  'relationships',
  'properties',
];
const RESULT_KEYS = [
  'ruleId',
  'ruleIndex',
  'rule',
  'kind',
  'level',
  'message',
  'analysisTarget',
  'locations',
  'guid',
  'correlationGuid',
  'occurrenceCount',
  'partialFingerprints',
  'fingerprints',
  'stacks',
  'codeFlows',
  'graphs',
  'graphTraversals',
  'relatedLocations',
  'suppressions',
  'baselineState',
  'rank',
  'attachments',
  'hostedViewerUri',
  'workItemUris',
  'provenance',
  'fixes',
  'taxa',
  'webRequest',
  'webResponse',
  'properties',
];
const LEVELS = ['none', 'note', 'warning', 'error'];

export function checkSarif(log: unknown): string[] {
  const problems: string[] = [];
  const p = (at: string, msg: string) => problems.push(`${at}: ${msg}`);
  const obj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
  const keys = (v: Json, allowed: string[], at: string) =>
    Object.keys(v)
      .filter((k) => !allowed.includes(k))
      .forEach((k) => p(`${at}.${k}`, 'not a property the schema defines here'));
  const message = (v: unknown, at: string) => {
    if (!obj(v) || (typeof v.text !== 'string' && typeof v.id !== 'string')) p(at, 'needs text or id');
  };
  if (!obj(log)) return ['$: expected an object'];
  keys(log, LOG_KEYS, '$');
  if (log.version !== '2.1.0') p('$.version', 'expected "2.1.0"');
  if (log.$schema !== undefined && (typeof log.$schema !== 'string' || !/^https?:\/\//.test(log.$schema))) p('$.$schema', 'expected a URI');
  if (!Array.isArray(log.runs)) return [...problems, '$.runs: expected an array'];
  log.runs.forEach((run: unknown, i: number) => {
    const at = `$.runs[${i}]`;
    if (!obj(run)) return p(at, 'expected an object');
    keys(run, RUN_KEYS, at);
    const driver = obj(run.tool) ? run.tool.driver : undefined;
    if (!obj(driver)) return p(`${at}.tool.driver`, 'required');
    keys(driver, DRIVER_KEYS, `${at}.tool.driver`);
    if (typeof driver.name !== 'string') p(`${at}.tool.driver.name`, 'required');
    const rules = Array.isArray(driver.rules) ? (driver.rules as unknown[]) : [];
    const ids = rules.map((r, j) => {
      const rat = `${at}.tool.driver.rules[${j}]`;
      if (!obj(r) || typeof r.id !== 'string') return (p(rat, 'needs an id'), undefined);
      keys(r, RULE_KEYS, rat);
      for (const k of ['shortDescription', 'fullDescription']) if (r[k] !== undefined && (!obj(r[k]) || typeof (r[k] as Json).text !== 'string')) p(`${rat}.${k}`, 'needs text');
      const level = obj(r.defaultConfiguration) ? r.defaultConfiguration.level : undefined;
      if (level !== undefined && !LEVELS.includes(String(level))) p(`${rat}.defaultConfiguration.level`, `expected one of ${LEVELS.join(', ')}`);
      return r.id;
    });
    if (new Set(ids).size !== ids.length) p(`${at}.tool.driver.rules`, 'ids must be unique');
    if (run.columnKind !== undefined && !['utf16CodeUnits', 'unicodeCodePoints'].includes(String(run.columnKind))) p(`${at}.columnKind`, 'expected utf16CodeUnits or unicodeCodePoints');
    (Array.isArray(run.results) ? run.results : []).forEach((res: unknown, j: number) => {
      const rat = `${at}.results[${j}]`;
      if (!obj(res)) return p(rat, 'expected an object');
      keys(res, RESULT_KEYS, rat);
      message(res.message, `${rat}.message`);
      if (res.level !== undefined && !LEVELS.includes(String(res.level))) p(`${rat}.level`, `expected one of ${LEVELS.join(', ')}`);
      if (res.ruleIndex !== undefined && !(Number.isInteger(res.ruleIndex) && (res.ruleIndex as number) >= 0)) p(`${rat}.ruleIndex`, 'expected an integer >= 0');
      else if (res.ruleIndex !== undefined && res.ruleId !== undefined && ids[res.ruleIndex as number] !== res.ruleId)
        p(`${rat}.ruleIndex`, `points at rule "${ids[res.ruleIndex as number]}", not "${String(res.ruleId)}"`);
      (Array.isArray(res.locations) ? res.locations : []).forEach((loc: unknown, k: number) => {
        const lat = `${rat}.locations[${k}].physicalLocation`;
        const phys = obj(loc) ? loc.physicalLocation : undefined;
        if (!obj(phys) || !obj(phys.artifactLocation) || typeof phys.artifactLocation.uri !== 'string') return p(lat, 'needs artifactLocation.uri');
        const region = phys.region;
        if (region === undefined) return;
        if (!obj(region)) return p(`${lat}.region`, 'expected an object');
        for (const key of ['startLine', 'startColumn', 'endLine', 'endColumn']) {
          const v = region[key];
          if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1)) p(`${lat}.region.${key}`, 'expected an integer >= 1');
        }
      });
    });
  });
  return problems;
}
