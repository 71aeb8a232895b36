<?php
/**
 * Persistent object cache for WordPress on Redis (php-redis), shipped by wpha's "wordpress" role
 * as wp-content/object-cache.php.
 *
 * Settings (wp-config): WP_REDIS_HOST, WP_REDIS_PORT (6379), WP_REDIS_PASSWORD, WP_REDIS_DATABASE
 * (0), WP_REDIS_PREFIX (one per site: several sites may share a database), WP_REDIS_TIMEOUT
 * (seconds, 1), WP_REDIS_MAXTTL (seconds, 0 = none).
 *
 * Every value also lives in a per-request array in front of Redis (a page reads thousands of
 * keys). Integers are stored as plain numbers so that incr/decr are atomic in Redis; anything
 * else is serialized, which keeps a cached `false` apart from a missing key. When Redis cannot be
 * reached the cache keeps working for the request from memory only: the site is slower, not down.
 */

function wp_cache_init() { $GLOBALS['wp_object_cache'] = new WPHA_Redis_Object_Cache(); }
function wp_cache_add($key, $data, $group = '', $expire = 0) { return $GLOBALS['wp_object_cache']->add($key, $data, $group, (int) $expire); }
function wp_cache_add_multiple(array $data, $group = '', $expire = 0) { $r = []; foreach ($data as $k => $v) { $r[$k] = wp_cache_add($k, $v, $group, $expire); } return $r; }
function wp_cache_replace($key, $data, $group = '', $expire = 0) { return $GLOBALS['wp_object_cache']->replace($key, $data, $group, (int) $expire); }
function wp_cache_set($key, $data, $group = '', $expire = 0) { return $GLOBALS['wp_object_cache']->set($key, $data, $group, (int) $expire); }
function wp_cache_set_multiple(array $data, $group = '', $expire = 0) { $r = []; foreach ($data as $k => $v) { $r[$k] = wp_cache_set($k, $v, $group, $expire); } return $r; }
function wp_cache_get($key, $group = '', $force = false, &$found = null) { return $GLOBALS['wp_object_cache']->get($key, $group, $force, $found); }
function wp_cache_get_multiple($keys, $group = '', $force = false) { return $GLOBALS['wp_object_cache']->get_multiple($keys, $group, $force); }
function wp_cache_delete($key, $group = '') { return $GLOBALS['wp_object_cache']->delete($key, $group); }
function wp_cache_delete_multiple(array $keys, $group = '') { $r = []; foreach ($keys as $k) { $r[$k] = wp_cache_delete($k, $group); } return $r; }
function wp_cache_incr($key, $offset = 1, $group = '') { return $GLOBALS['wp_object_cache']->incr($key, (int) $offset, $group); }
function wp_cache_decr($key, $offset = 1, $group = '') { return $GLOBALS['wp_object_cache']->incr($key, -(int) $offset, $group); }
function wp_cache_flush() { return $GLOBALS['wp_object_cache']->flush(); }
function wp_cache_flush_runtime() { return $GLOBALS['wp_object_cache']->flush_runtime(); }
function wp_cache_flush_group($group) { return $GLOBALS['wp_object_cache']->flush_group($group); }
function wp_cache_supports($feature) { return in_array($feature, ['add_multiple', 'set_multiple', 'get_multiple', 'delete_multiple', 'flush_runtime', 'flush_group'], true); }
function wp_cache_close() { return true; }
function wp_cache_add_global_groups($groups) { $GLOBALS['wp_object_cache']->add_groups((array) $groups, 'global'); }
function wp_cache_add_non_persistent_groups($groups) { $GLOBALS['wp_object_cache']->add_groups((array) $groups, 'local'); }
function wp_cache_switch_to_blog($blog_id) { $GLOBALS['wp_object_cache']->switch_to_blog((int) $blog_id); }
function wp_cache_reset() { _deprecated_function(__FUNCTION__, '3.5.0', 'wp_cache_switch_to_blog()'); return false; }

class WPHA_Redis_Object_Cache
{
    /** @var array<string, mixed> this request's copy, by full key */
    private $cache = [];
    private $global_groups = [];
    private $local_groups = [];
    private $prefix;
    private $blog_prefix;
    private $max_ttl;
    /** @var Redis|null null: not connected (memory only) */
    private $redis = null;
    public $cache_hits = 0;
    public $cache_misses = 0;
    public $redis_error = '';

    public function __construct()
    {
        $this->prefix = defined('WP_REDIS_PREFIX') ? WP_REDIS_PREFIX : 'wp:';
        $this->max_ttl = defined('WP_REDIS_MAXTTL') ? (int) WP_REDIS_MAXTTL : 0;
        $this->blog_prefix = (function_exists('is_multisite') && is_multisite()) ? get_current_blog_id() . ':' : '';
        if (!class_exists('Redis')) {
            $this->redis_error = 'the php-redis extension is not loaded';
            return;
        }
        try {
            $r = new Redis();
            $timeout = defined('WP_REDIS_TIMEOUT') ? (float) WP_REDIS_TIMEOUT : 1.0;
            $r->connect(defined('WP_REDIS_HOST') ? WP_REDIS_HOST : '127.0.0.1', defined('WP_REDIS_PORT') ? (int) WP_REDIS_PORT : 6379, $timeout, null, 0, $timeout);
            if (defined('WP_REDIS_PASSWORD') && WP_REDIS_PASSWORD !== '') {
                $r->auth(WP_REDIS_PASSWORD);
            }
            $r->select(defined('WP_REDIS_DATABASE') ? (int) WP_REDIS_DATABASE : 0);
            $this->redis = $r;
        } catch (Throwable $e) {
            $this->fail($e);
        }
    }

    public function is_connected() { return $this->redis !== null; }

    public function add_groups(array $groups, $kind)
    {
        foreach ($groups as $g) {
            if ($kind === 'global') { $this->global_groups[$g] = true; } else { $this->local_groups[$g] = true; }
        }
    }

    public function switch_to_blog($blog_id) { $this->blog_prefix = (function_exists('is_multisite') && is_multisite()) ? $blog_id . ':' : ''; }

    public function get($key, $group = '', $force = false, &$found = null)
    {
        $k = $this->key($key, $group);
        if (!$force && array_key_exists($k, $this->cache)) {
            $found = true;
            $this->cache_hits++;
            return is_object($this->cache[$k]) ? clone $this->cache[$k] : $this->cache[$k];
        }
        $found = false;
        if ($this->persistent($group)) {
            $raw = $this->call(function ($r) use ($k) { return $r->get($k); }, false);
            if ($raw !== false) {
                $found = true;
                $this->cache[$k] = $this->decode($raw);
            }
        }
        if (!$found) {
            $this->cache_misses++;
            return false;
        }
        $this->cache_hits++;
        return is_object($this->cache[$k]) ? clone $this->cache[$k] : $this->cache[$k];
    }

    public function get_multiple($keys, $group = '', $force = false)
    {
        $out = [];
        $fetch = [];
        foreach ($keys as $key) {
            $k = $this->key($key, $group);
            if (!$force && array_key_exists($k, $this->cache)) { $out[$key] = $this->get($key, $group); } else { $fetch[$key] = $k; }
        }
        if ($fetch && $this->persistent($group)) {
            $raws = $this->call(function ($r) use ($fetch) { return $r->mGet(array_values($fetch)); }, []);
            $i = 0;
            foreach ($fetch as $key => $k) {
                $raw = is_array($raws) ? ($raws[$i++] ?? false) : false;
                if ($raw !== false) { $this->cache[$k] = $this->decode($raw); }
            }
        }
        foreach ($fetch as $key => $k) { $out[$key] = $this->get($key, $group); }
        return $out;
    }

    public function set($key, $data, $group = '', $expire = 0) { return $this->store($key, $data, $group, $expire, null); }
    public function add($key, $data, $group = '', $expire = 0)
    {
        if (function_exists('wp_suspend_cache_addition') && wp_suspend_cache_addition()) { return false; }
        return $this->store($key, $data, $group, $expire, 'nx');
    }
    public function replace($key, $data, $group = '', $expire = 0) { return $this->store($key, $data, $group, $expire, 'xx'); }

    public function delete($key, $group = '')
    {
        $k = $this->key($key, $group);
        $had = array_key_exists($k, $this->cache);
        unset($this->cache[$k]);
        if (!$this->persistent($group)) { return $had; }
        return (int) $this->call(function ($r) use ($k) { return $r->del($k); }, 0) > 0 || $had;
    }

    /** incr (negative offset: decr). Missing key: false. Never below 0, as WordPress's own cache. */
    public function incr($key, $offset, $group = '')
    {
        $k = $this->key($key, $group);
        if ($this->persistent($group)) {
            $v = $this->call(function ($r) use ($k, $offset) { return $r->exists($k) ? $r->incrBy($k, $offset) : null; }, false);
            if ($v === null) { unset($this->cache[$k]); return false; }
            if (is_int($v)) {
                if ($v < 0) { $this->call(function ($r) use ($k) { return $r->set($k, '0', ['xx', 'keepttl']); }, false); $v = 0; }
                return $this->cache[$k] = $v;
            }
        }
        $found = false;
        $cur = $this->get($key, $group, false, $found);
        if (!$found) { return false; }
        $v = max(0, (is_numeric($cur) ? (int) $cur : 0) + $offset);
        $this->set($key, $v, $group);
        return $v;
    }

    /** Drops this site's keys (by prefix) from Redis, and this request's copy. */
    public function flush()
    {
        $this->cache = [];
        return $this->unlink_matching($this->glob($this->prefix) . '*');
    }

    public function flush_runtime() { $this->cache = []; return true; }

    public function flush_group($group)
    {
        $start = $this->key('', $group);
        foreach (array_keys($this->cache) as $k) {
            if (strncmp($k, $start, strlen($start)) === 0) { unset($this->cache[$k]); }
        }
        return $this->unlink_matching($this->glob($start) . '*');
    }

    public function stats() { echo '<p>Redis object cache: ' . ($this->redis ? 'connected' : 'not connected ' . esc_html($this->redis_error)) . ", hits {$this->cache_hits}, misses {$this->cache_misses}</p>"; }

    private function store($key, $data, $group, $expire, $mode)
    {
        $k = $this->key($key, $group);
        if (is_object($data)) { $data = clone $data; }
        if (!$this->persistent($group)) {
            if (($mode === 'nx' && array_key_exists($k, $this->cache)) || ($mode === 'xx' && !array_key_exists($k, $this->cache))) { return false; }
            $this->cache[$k] = $data;
            return true;
        }
        $ttl = $expire > 0 ? $expire : 0;
        if ($this->max_ttl > 0 && ($ttl === 0 || $ttl > $this->max_ttl)) { $ttl = $this->max_ttl; }
        $opts = $ttl > 0 ? array_merge(array_filter([$mode]), ['ex' => $ttl]) : array_filter([$mode]);
        $ok = $this->call(function ($r) use ($k, $data, $opts) { return $opts ? $r->set($k, $this->encode($data), $opts) : $r->set($k, $this->encode($data)); }, null);
        if ($ok === null) {
            // Redis is gone: keep this request consistent from memory.
            if (($mode === 'nx' && array_key_exists($k, $this->cache)) || ($mode === 'xx' && !array_key_exists($k, $this->cache))) { return false; }
            $ok = true;
        }
        if ($ok) { $this->cache[$k] = $data; } elseif ($mode === 'xx') { unset($this->cache[$k]); }
        return (bool) $ok;
    }

    private function key($key, $group)
    {
        $group = ($group === '' || $group === null) ? 'default' : $group;
        $blog = isset($this->global_groups[$group]) ? '' : $this->blog_prefix;
        return "{$this->prefix}{$blog}{$group}:{$key}";
    }

    private function persistent($group)
    {
        return $this->redis !== null && !isset($this->local_groups[($group === '' || $group === null) ? 'default' : $group]);
    }

    private function encode($data) { return is_int($data) ? (string) $data : serialize($data); }
    private function decode($raw) { return preg_match('/^-?[0-9]+$/', $raw) ? (int) $raw : unserialize($raw); }
    private function glob($s) { return addcslashes($s, '*?[]\\'); }

    private function unlink_matching($pattern)
    {
        return (bool) $this->call(function ($r) use ($pattern) {
            $it = null;
            do {
                $keys = $r->scan($it, $pattern, 1000);
                if ($keys) { $r->unlink($keys); }
            } while ($it > 0);
            return true;
        }, $this->redis === null);
    }

    /** Runs one Redis call; on a connection error the cache falls back to memory for the rest of the request. */
    private function call(callable $fn, $fallback)
    {
        if ($this->redis === null) { return $fallback; }
        try {
            return $fn($this->redis);
        } catch (Throwable $e) {
            $this->fail($e);
            return $fallback;
        }
    }

    private function fail(Throwable $e)
    {
        $this->redis = null;
        $this->redis_error = $e->getMessage();
        error_log('wpha object cache: Redis unavailable, using memory only: ' . $e->getMessage());
    }
}
