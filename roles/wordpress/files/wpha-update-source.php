<?php
/**
 * Plugin Name: wpha update source
 * Description: WordPress asks WPHA_UPDATE_API_URL, not api.wordpress.org, which plugins and themes have updates (a mirror, or a host answering like api.wordpress.org).
 *
 * Installed by wpha's "wordpress" role as a must-use plugin when wordpress_update_api_url is set
 * (the site config defines WPHA_UPDATE_API_URL). A request to https://api.wordpress.org/<path>
 * is sent to <WPHA_UPDATE_API_URL>/<path> with the same method, body and headers; the answer is
 * WordPress's as if api.wordpress.org had given it. The source host is trusted for downloads:
 * wp_safe_remote_get() (used for package zips) refuses private addresses and ports other than
 * 80, 443 and 8080 unless told otherwise, and an internal mirror is often both.
 */
if (!defined('WPHA_UPDATE_API_URL') || !is_string(WPHA_UPDATE_API_URL) || WPHA_UPDATE_API_URL === '') {
    return;
}

function wpha_update_source(): array
{
    $parts = parse_url(WPHA_UPDATE_API_URL);
    return [
        'base' => rtrim(WPHA_UPDATE_API_URL, '/'),
        'host' => strtolower((string) ($parts['host'] ?? '')),
        'port' => (int) ($parts['port'] ?? (($parts['scheme'] ?? 'http') === 'https' ? 443 : 80)),
    ];
}

add_filter('pre_http_request', function ($pre, $args, $url) {
    if ($pre !== false) {
        return $pre;
    }
    $parts = parse_url($url);
    if (strtolower((string) ($parts['host'] ?? '')) !== 'api.wordpress.org') {
        return $pre;
    }
    $target = wpha_update_source()['base'] . ($parts['path'] ?? '/') . (isset($parts['query']) ? '?' . $parts['query'] : '');
    return wp_remote_request($target, $args);
}, 10, 3);

add_filter('http_request_host_is_external', function ($external, $host) {
    return $external || strtolower((string) $host) === wpha_update_source()['host'];
}, 10, 2);

add_filter('http_allowed_safe_ports', function ($ports, $host) {
    $source = wpha_update_source();
    if (strtolower((string) $host) === $source['host']) {
        $ports[] = $source['port'];
    }
    return $ports;
}, 10, 2);
