/**
 * The data `npm run bench:backup` backs up, generated on the host with SQL (MariaDB's SEQUENCE
 * engine), not through PHP: WordPress's own wp_posts and wp_postmeta tables (their real
 * definitions) filled with N posts of about 3 KB of text each and 3 meta rows per post, and
 * an uploads folder of random (incompressible, like JPEGs) files. Pure: returns SQL and shell.
 */

/** WordPress 6.x definitions of the two tables that grow with the content. */
export function wordpressSchemaSql(db: string): string {
  return `USE \`${db}\`;
CREATE TABLE IF NOT EXISTS wp_posts (
  ID bigint(20) unsigned NOT NULL AUTO_INCREMENT, post_author bigint(20) unsigned NOT NULL DEFAULT 0,
  post_date datetime NOT NULL DEFAULT '0000-00-00 00:00:00', post_date_gmt datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  post_content longtext NOT NULL, post_title text NOT NULL, post_excerpt text NOT NULL,
  post_status varchar(20) NOT NULL DEFAULT 'publish', comment_status varchar(20) NOT NULL DEFAULT 'open',
  ping_status varchar(20) NOT NULL DEFAULT 'open', post_password varchar(255) NOT NULL DEFAULT '',
  post_name varchar(200) NOT NULL DEFAULT '', to_ping text NOT NULL, pinged text NOT NULL,
  post_modified datetime NOT NULL DEFAULT '0000-00-00 00:00:00', post_modified_gmt datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  post_content_filtered longtext NOT NULL, post_parent bigint(20) unsigned NOT NULL DEFAULT 0,
  guid varchar(255) NOT NULL DEFAULT '', menu_order int(11) NOT NULL DEFAULT 0,
  post_type varchar(20) NOT NULL DEFAULT 'post', post_mime_type varchar(100) NOT NULL DEFAULT '',
  comment_count bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (ID), KEY post_name (post_name(191)), KEY type_status_date (post_type, post_status, post_date, ID),
  KEY post_parent (post_parent), KEY post_author (post_author)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
CREATE TABLE IF NOT EXISTS wp_postmeta (
  meta_id bigint(20) unsigned NOT NULL AUTO_INCREMENT, post_id bigint(20) unsigned NOT NULL DEFAULT 0,
  meta_key varchar(255) DEFAULT NULL, meta_value longtext,
  PRIMARY KEY (meta_id), KEY post_id (post_id), KEY meta_key (meta_key(191))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
`;
}

/**
 * `count` posts with ids after `after` (so that later runs add new ones), each with 3 meta
 * rows. Text mixes repeated words (compressible, as prose is) with a hash (not).
 */
export function postsSql(db: string, count: number, after = 0): string {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(after) || after < 0) throw new Error(`postsSql: bad count ${count} or start ${after}`);
  const seq = `seq_${after + 1}_to_${after + count}`;
  return `USE \`${db}\`;
INSERT INTO wp_posts (ID, post_author, post_date, post_date_gmt, post_content, post_title, post_excerpt, post_name, to_ping, pinged, post_modified, post_modified_gmt, post_content_filtered, guid)
SELECT seq, 1, NOW() - INTERVAL seq MINUTE, UTC_TIMESTAMP() - INTERVAL seq MINUTE,
  CONCAT_WS(' ', '<!-- wp:paragraph --><p>', REPEAT(CONCAT('Lorem ipsum dolor sit amet, post ', seq, ' consectetur adipiscing elit. '), 30), SHA2(seq, 512), SHA2(seq + 1, 512), '</p><!-- /wp:paragraph -->'),
  CONCAT('Generated post ', seq), '', CONCAT('generated-post-', seq), '', '', NOW(), UTC_TIMESTAMP(), '', CONCAT('http://shop.lab/?p=', seq)
FROM ${seq};
INSERT INTO wp_postmeta (post_id, meta_key, meta_value)
SELECT seq, k.meta_key, CONCAT(k.meta_key, ':', SHA1(CONCAT(seq, k.meta_key)))
FROM ${seq} JOIN (SELECT '_edit_last' AS meta_key UNION ALL SELECT '_thumbnail_id' UNION ALL SELECT '_wp_page_template') k;
`;
}

/**
 * Shell adding `count` random files of `kib` KiB to the uploads folder (names from `first`),
 * owned by www-data as WordPress writes them. Only the new files are chowned: a `chown -R` of
 * the folder would change every file's ctime, and the next differential archive would hold
 * them all again.
 */
export function uploadsScript(dir: string, count: number, kib: number, first = 0): string {
  return `set -e; mkdir -p ${dir}; i=${first}; while [ $i -lt ${first + count} ]; do f=${dir}/img-$i.jpg; head -c ${kib * 1024} /dev/urandom > $f; chown www-data:www-data $f 2>/dev/null || true; i=$((i + 1)); done`;
}
