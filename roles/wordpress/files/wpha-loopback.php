<?php
/**
 * Plugin Name: wpha loopback
 * Description: Requests WordPress makes to its own site (cron, site health, install checks) go to this node's nginx on 127.0.0.1 instead of through DNS and the load balancer.
 *
 * Installed by wpha's "wordpress" role as a must-use plugin. Only plain-http URLs of the site's
 * own host are redirected (web nodes serve http; TLS ends at the front servers).
 */
add_action('http_api_curl', function ($handle, $args, $url) {
    $parts = parse_url($url);
    $home = parse_url(home_url(), PHP_URL_HOST);
    if (empty($parts['host']) || !is_string($home) || strcasecmp($parts['host'], $home) !== 0) {
        return;
    }
    if (($parts['scheme'] ?? 'http') !== 'http') {
        return;
    }
    $port = $parts['port'] ?? 80;
    curl_setopt($handle, CURLOPT_RESOLVE, ["{$parts['host']}:$port:127.0.0.1"]);
}, 10, 3);
