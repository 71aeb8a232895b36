<?php
/**
 * Plugin Name: wpha uploads in a bucket
 * Description: Stores every upload (the original, its image sizes, edited copies) in an S3 bucket before WordPress reports it done, and removes the node's local copy at the end of the request. Managed by wpha (wordpress role): local changes are overwritten on the next apply.
 *
 * Why this way (docs/storage.md has the whole reasoning): WordPress keeps writing where it always
 * does (wp-content/uploads, used as a staging folder), so thumbnails, image edits and every
 * plugin that touches the file work unchanged; this plugin copies the files into the bucket
 * through WordPress's own upload filters. An upload is acknowledged only once the bucket holds it:
 * when the bucket cannot take it, the upload fails with the reason and no attachment is made. The
 * URLs do not change (/wp-content/uploads/...): nginx serves that path from the bucket, cached.
 * A node keeps no file that exists only on it, so any web node can be destroyed.
 *
 * Settings: the WPHA_S3_* constants of the site's config (/etc/wordpress/config-<site>.php).
 */

defined('ABSPATH') || exit;
if (!defined('WPHA_S3_ENDPOINT') || WPHA_S3_ENDPOINT === '') return;
require_once '/usr/local/lib/wpha/wpha-s3-client.php';

function wpha_s3(): Wpha_S3_Client
{
    static $client = null;
    return $client ??= new Wpha_S3_Client(WPHA_S3_ENDPOINT, WPHA_S3_BUCKET, WPHA_S3_REGION, WPHA_S3_ACCESS_KEY, WPHA_S3_SECRET_KEY, defined('WPHA_S3_CA_FILE') ? WPHA_S3_CA_FILE : '');
}

/** The object key of a file under the uploads folder (the site's prefix + its relative path), or null. */
function wpha_s3_key(string $file): ?string
{
    $base = rtrim(wp_get_upload_dir()['basedir'], '/') . '/';
    if (!str_starts_with($file, $base)) return null;
    return WPHA_S3_PREFIX . substr($file, strlen($base));
}

/** Files stored during this request: their local copies go at shutdown (unless kept). */
function wpha_s3_stored(?string $file = null): array
{
    static $stored = [];
    if ($file !== null) $stored[$file] = true;
    return array_keys($stored);
}

/** Puts one local file into the bucket (once per request). true, or the reason it failed. */
function wpha_s3_put(string $file, string $type = ''): true|string
{
    if (in_array($file, wpha_s3_stored(), true)) return true;
    $key = wpha_s3_key($file);
    if ($key === null) return true; // not an upload (outside the uploads folder)
    if ($type === '') $type = wp_check_filetype($file)['type'] ?: 'application/octet-stream';
    $ok = wpha_s3()->putFile($key, $file, $type);
    if ($ok === true) wpha_s3_stored($file);
    return $ok;
}

// 1. The uploaded file itself: in the bucket before WordPress makes the attachment. A failure
// fails the upload (the message reaches the editor or the REST client) and drops the local file.
add_filter('wp_handle_upload', function (array $upload, string $context) {
    if (isset($upload['error']) || empty($upload['file'])) return $upload;
    $ok = wpha_s3_put($upload['file'], $upload['type'] ?? '');
    if ($ok === true) return $upload;
    @unlink($upload['file']);
    error_log("wpha uploads: $ok");
    return ['error' => sprintf('The upload could not be stored in the bucket (%s); nothing was saved. Try again later.', $ok)];
}, 10, 2);

// 2. Image sizes, the scaled original and edited copies: stored whenever WordPress saves an
// attachment's metadata (after each size is made, after an edit).
add_filter('wp_update_attachment_metadata', function ($data, $id) {
    if (!is_array($data) || empty($data['file'])) return $data;
    $main = get_attached_file($id, true);
    if (!$main) return $data;
    $dir = dirname($main);
    $files = [$main => get_post_mime_type($id) ?: ''];
    if (!empty($data['original_image'])) $files["$dir/{$data['original_image']}"] = '';
    foreach ($data['sizes'] ?? [] as $size) if (!empty($size['file'])) $files["$dir/{$size['file']}"] = $size['mime-type'] ?? '';
    foreach ($files as $file => $type) {
        if (!is_file($file)) continue;
        $ok = wpha_s3_put($file, $type);
        if ($ok !== true) error_log("wpha uploads: attachment $id: $ok");
    }
    return $data;
}, 10, 2);

// 3. Local copies leave once the request is over (sizes are made from the local original).
add_action('shutdown', function () {
    if (defined('WPHA_S3_KEEP_LOCAL') && WPHA_S3_KEEP_LOCAL) return;
    foreach (wpha_s3_stored() as $file) @unlink($file);
});

// 4. A deleted attachment leaves the bucket with its local copy.
add_filter('wp_delete_file', function ($file) {
    $key = is_string($file) ? wpha_s3_key($file) : null;
    if ($key !== null) {
        $ok = wpha_s3()->delete($key);
        if ($ok !== true) error_log("wpha uploads: $ok");
    }
    return $file;
});

// 5. File names are unique in the bucket, not only in this node's folder: another node may have
// taken the name, and the local copy is gone anyway. (Bucket unreachable: the name is kept; the
// PUT that follows fails the upload with the reason.)
add_filter('wp_unique_filename', function ($filename, $ext, $dir) {
    $dir = rtrim($dir, '/');
    if (wpha_s3_key("$dir/$filename") === null) return $filename;
    $name = pathinfo($filename, PATHINFO_FILENAME);
    $suffix = pathinfo($filename, PATHINFO_EXTENSION);
    $try = $filename;
    for ($n = 1; $n < 100; $n++) {
        $exists = wpha_s3()->exists(wpha_s3_key("$dir/$try"));
        if ($exists !== true) {
            if ($exists !== false) error_log("wpha uploads: $exists");
            return $try;
        }
        $try = "$name-$n" . ($suffix !== '' ? ".$suffix" : '');
    }
    return $try;
}, 10, 3);
