<?php
/**
 * Checks roles/wordpress/files/object-cache.php against a real Redis, outside WordPress.
 * Usage: php object-cache-test.php DROP_IN    with REDIS_HOST, REDIS_PORT, REDIS_PASSWORD in the
 * environment. Prints "ok - <name>" / "not ok - <name>: <detail>" lines and exits 1 on a failure.
 */
if ($argc < 2) { fwrite(STDERR, "usage: php object-cache-test.php DROP_IN\n"); exit(2); }

// The few WordPress functions the drop-in may call.
function is_multisite() { return $GLOBALS['multisite'] ?? false; }
function get_current_blog_id() { return 1; }
function esc_html($s) { return htmlspecialchars((string) $s); }
function _deprecated_function() {}

$prefix = 'octest' . getmypid() . ':';
define('WP_REDIS_HOST', getenv('REDIS_HOST') ?: '127.0.0.1');
define('WP_REDIS_PORT', (int) (getenv('REDIS_PORT') ?: 6379));
define('WP_REDIS_PASSWORD', getenv('REDIS_PASSWORD') ?: '');
define('WP_REDIS_PREFIX', $prefix);
require $argv[1];

$failures = 0;
function check($name, $cond, $detail = '') {
    global $failures;
    if ($cond) { echo "ok - $name\n"; } else { $failures++; echo "not ok - $name" . ($detail !== '' ? ": $detail" : '') . "\n"; }
}
function fresh_request() { wp_cache_init(); wp_cache_add_non_persistent_groups(['counts']); wp_cache_add_global_groups(['users']); }

// A separate connection looks at what really is in Redis.
$spy = new Redis();
$spy->connect(WP_REDIS_HOST, WP_REDIS_PORT, 2.0);
if (WP_REDIS_PASSWORD !== '') { $spy->auth(WP_REDIS_PASSWORD); }
$spy->set('foreign:key', 'keep');

fresh_request();
check('connects to Redis', $GLOBALS['wp_object_cache']->is_connected(), $GLOBALS['wp_object_cache']->redis_error);
check('a missing key is not found', wp_cache_get('nope', 'g', false, $found) === false && $found === false);

wp_cache_set('s', 'text', 'g');
wp_cache_set('f', false, 'g');
wp_cache_set('a', ['x' => 1, 'y' => [2, 3]], 'g');
$o = new stdClass(); $o->n = 1;
wp_cache_set('o', $o, 'g');
$o->n = 2; // a later change to the caller's object must not leak into the cache
wp_cache_set('i', 41, 'g');

fresh_request(); // a new request: values come from Redis, not from memory
check('a string survives the request', wp_cache_get('s', 'g') === 'text');
$v = wp_cache_get('f', 'g', false, $found);
check('a cached false is found', $v === false && $found === true);
check('an array survives the request', wp_cache_get('a', 'g') === ['x' => 1, 'y' => [2, 3]]);
check('an object is copied on set', wp_cache_get('o', 'g')->n === 1);
$copy = wp_cache_get('o', 'g'); $copy->n = 9;
check('an object is copied on get', wp_cache_get('o', 'g')->n === 1);
check('an integer stays an integer', wp_cache_get('i', 'g') === 41);
check('integers are stored as plain numbers', $spy->get($prefix . 'g:i') === '41');
check('blog keys carry the site prefix', $spy->exists($prefix . 'g:s') === 1 || $spy->exists($prefix . 'g:s') === true);

check('incr is atomic in Redis', wp_cache_incr('i', 2, 'g') === 43 && $spy->get($prefix . 'g:i') === '43');
check('decr stops at 0', wp_cache_decr('i', 100, 'g') === 0 && wp_cache_get('i', 'g') === 0);
check('incr of a missing key is false', wp_cache_incr('missing', 1, 'g') === false && $spy->exists($prefix . 'g:missing') == 0);

check('add does not overwrite', wp_cache_add('s', 'other', 'g') === false && wp_cache_get('s', 'g') === 'text');
check('add creates a new key', wp_cache_add('new', 'n', 'g') === true && wp_cache_get('new', 'g') === 'n');
check('replace needs an existing key', wp_cache_replace('absent', 'x', 'g') === false && $spy->exists($prefix . 'g:absent') == 0);
check('replace changes an existing key', wp_cache_replace('s', 'text2', 'g') === true && unserialize($spy->get($prefix . 'g:s')) === 'text2');
check('delete removes from Redis', wp_cache_delete('new', 'g') === true && $spy->exists($prefix . 'g:new') == 0 && wp_cache_get('new', 'g') === false);

wp_cache_set('t', 'short', 'g', 30);
$ttl = $spy->ttl($prefix . 'g:t');
check('expire sets a TTL', $ttl > 0 && $ttl <= 30, "ttl=$ttl");

wp_cache_set('c', 5, 'counts');
check('non-persistent groups stay in memory', wp_cache_get('c', 'counts') === 5 && $spy->exists($prefix . 'counts:c') == 0);
fresh_request();
check('non-persistent groups do not survive the request', wp_cache_get('c', 'counts') === false);

$m = wp_cache_get_multiple(['s', 'a', 'zz'], 'g');
check('get_multiple', $m === ['s' => 'text2', 'a' => ['x' => 1, 'y' => [2, 3]], 'zz' => false], json_encode($m));

$GLOBALS['multisite'] = true;
wp_cache_init();
wp_cache_add_global_groups(['users']);
wp_cache_switch_to_blog(7);
wp_cache_set('k', 'blog7', 'posts');
wp_cache_set('u', 'global', 'users');
check('multisite keys carry the blog id', $spy->exists($prefix . '7:posts:k') == 1);
check('global groups are shared by every blog', $spy->exists($prefix . 'users:u') == 1);
$GLOBALS['multisite'] = false;
fresh_request();

wp_cache_set('x', 1, 'grp-a');
wp_cache_set('y', 2, 'grp-b');
wp_cache_flush_group('grp-a');
check('flush_group removes only that group', $spy->exists($prefix . 'grp-a:x') == 0 && $spy->exists($prefix . 'grp-b:y') == 1);

wp_cache_flush();
check('flush removes this site\'s keys', count($spy->keys($prefix . '*')) === 0);
check('flush keeps other keys', $spy->get('foreign:key') === 'keep');
$spy->del('foreign:key');

// Redis unreachable: the cache works from memory and nothing throws.
$down = new ReflectionClass('WPHA_Redis_Object_Cache');
$cache = $down->newInstanceWithoutConstructor();
foreach (['prefix' => 'down:', 'blog_prefix' => '', 'max_ttl' => 0] as $p => $val) { $prop = $down->getProperty($p); $prop->setAccessible(true); $prop->setValue($cache, $val); }
$GLOBALS['wp_object_cache'] = $cache;
check('without Redis set/get work from memory', wp_cache_set('k', 'v') === true && wp_cache_get('k') === 'v' && wp_cache_add('k', 'w') === false);
check('without Redis incr works', wp_cache_set('n', 1) && wp_cache_incr('n') === 2);

echo $failures === 0 ? "all passed\n" : "$failures failed\n";
exit($failures === 0 ? 0 : 1);
