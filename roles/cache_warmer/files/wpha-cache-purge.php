<?php
/**
 * Plugin Name: wpha cache purge
 * Description: When a post is published, updated, unpublished or deleted, drops its pages from the nginx full-page cache of every web node and warms them again. Managed by wpha (cache_warmer role): local changes are overwritten on the next apply.
 *
 * Every web node has its own cache, so every node is purged: GET http://NODE<purge_prefix><path>
 * with the site's Host header (nginx's cache-purge location, allowed from cluster hosts only),
 * then GET http://NODE<path> so that the next visitor gets a HIT. The node list and the purge
 * prefix come from /etc/wpha/cache-warmer.conf, the file the warmer timer reads too.
 * The work runs after the response is sent (fastcgi_finish_request): editors do not wait for it.
 */

defined('ABSPATH') || exit;

const WPHA_CACHE_CONF = '/etc/wpha/cache-warmer.conf';

/** Nodes, purge prefix and timeout from the shared config. */
function wpha_cache_config(): array {
    $cfg = ['nodes' => [], 'purge_prefix' => '/purge', 'timeout' => 10];
    $lines = @file(WPHA_CACHE_CONF, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES);
    foreach ($lines ?: [] as $line) {
        $f = preg_split('/\s+/', trim($line));
        if (count($f) < 2) continue;
        if ($f[0] === 'node') $cfg['nodes'][] = $f[1];
        elseif ($f[0] === 'purge_prefix') $cfg['purge_prefix'] = rtrim($f[1], '/');
        elseif ($f[0] === 'timeout') $cfg['timeout'] = max(1, min(30, (int) $f[1]));
    }
    return $cfg;
}

/** URLs queued during this request (kept once each). */
function wpha_cache_queue(array $urls = []): array {
    static $queue = [];
    foreach ($urls as $u) {
        if (is_string($u) && $u !== '') $queue[$u] = true;
    }
    return array_keys($queue);
}

/** The pages whose cached copy shows this post: home, the post itself, its archives. */
function wpha_cache_post_urls(WP_Post $post): array {
    $urls = [home_url('/'), get_permalink($post)];
    if (get_option('show_on_front') === 'page' && ($blog = (int) get_option('page_for_posts'))) {
        $urls[] = get_permalink($blog);
    }
    $type = get_post_type_object($post->post_type);
    if ($type && $type->has_archive) $urls[] = get_post_type_archive_link($post->post_type);
    foreach (get_object_taxonomies($post->post_type) as $tax) {
        if (!is_taxonomy_viewable($tax)) continue;
        $terms = get_the_terms($post, $tax);
        foreach (is_array($terms) ? $terms : [] as $term) {
            $link = get_term_link($term);
            if (!is_wp_error($link)) $urls[] = $link;
        }
    }
    $urls[] = get_author_posts_url((int) $post->post_author);
    return array_values(array_filter($urls, 'is_string'));
}

/** Queue the pages of a post that is (or just was) published; callers check the status. */
function wpha_cache_watch(?WP_Post $post): void {
    if (!$post) return;
    if (wp_is_post_revision($post) || wp_is_post_autosave($post) || !is_post_type_viewable($post->post_type)) return;
    wpha_cache_queue(wpha_cache_post_urls($post));
}

// Before an update: the URLs the post had (a changed slug or an unpublished post leaves them cached).
add_action('pre_post_update', function ($post_id) {
    $post = get_post($post_id);
    if ($post && $post->post_status === 'publish') wpha_cache_watch($post);
});
add_action('transition_post_status', function ($new, $old, $post) {
    if ($new === 'publish' || $old === 'publish') wpha_cache_watch($post);
}, 10, 3);
add_action('before_delete_post', function ($post_id) {
    $post = get_post($post_id);
    if ($post && $post->post_status === 'publish') wpha_cache_watch($post);
});
// An approved or removed comment changes the post's page.
add_action('wp_update_comment_count', function ($post_id) {
    $post = get_post($post_id);
    if ($post && $post->post_status === 'publish' && !wp_is_post_revision($post)) wpha_cache_queue([get_permalink($post)]);
});

/** Run requests in parallel; returns "url -> code" for the answers $ok does not accept. */
function wpha_cache_requests(array $requests, callable $ok, int $timeout): array {
    $mh = curl_multi_init();
    $handles = [];
    foreach ($requests as [$url, $headers]) {
        $ch = curl_init($url);
        curl_setopt_array($ch, [
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_HTTPHEADER => $headers,
            CURLOPT_CONNECTTIMEOUT => 3,
            CURLOPT_TIMEOUT => $timeout,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_USERAGENT => 'wpha-cache-purge',
        ]);
        curl_multi_add_handle($mh, $ch);
        $handles[] = [$ch, $url];
    }
    do {
        $status = curl_multi_exec($mh, $running);
        if ($running) curl_multi_select($mh, 1.0);
    } while ($running && $status === CURLM_OK);
    $failed = [];
    foreach ($handles as [$ch, $url]) {
        $code = (int) curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
        if (!$ok($code)) $failed[] = $url . ' -> ' . ($code ?: curl_error($ch));
        curl_multi_remove_handle($mh, $ch);
        curl_close($ch);
    }
    curl_multi_close($mh);
    return $failed;
}

/** Purge the URLs on every node, then warm them again. */
function wpha_cache_purge_and_warm(array $urls): void {
    $cfg = wpha_cache_config();
    if (!$cfg['nodes'] || !function_exists('curl_multi_init')) return;
    $purges = [];
    $warms = [];
    foreach ($urls as $url) {
        $p = wp_parse_url($url);
        if (empty($p['host'])) continue;
        $path = ($p['path'] ?? '/') . (isset($p['query']) ? '?' . $p['query'] : '');
        // The cache key holds the scheme the client used; the front tier says it in X-Forwarded-Proto.
        $headers = ['Host: ' . strtolower($p['host'])];
        if (($p['scheme'] ?? 'http') === 'https') $headers[] = 'X-Forwarded-Proto: https';
        foreach ($cfg['nodes'] as $node) {
            $purges[] = ['http://' . $node . $cfg['purge_prefix'] . $path, $headers];
            $warms[] = ['http://' . $node . $path, $headers];
        }
    }
    // 404 from a purge: that node had no copy. A warm may 404 (a deleted post): only errors count.
    $failed = array_merge(
        wpha_cache_requests($purges, fn ($c) => $c === 200 || $c === 404, $cfg['timeout']),
        wpha_cache_requests($warms, fn ($c) => $c >= 200 && $c < 500, $cfg['timeout'])
    );
    foreach ($failed as $f) error_log('wpha-cache-purge: failed: ' . $f);
}

add_action('shutdown', function () {
    $urls = wpha_cache_queue();
    if (!$urls) return;
    if (function_exists('fastcgi_finish_request')) fastcgi_finish_request();
    wpha_cache_purge_and_warm($urls);
}, 100);
