import { describe, it, expect } from 'vitest';
import { postsSql, uploadsScript, wordpressSchemaSql } from './backup-data.js';

describe('backup bench data', () => {
  it("creates WordPress's tables in the given database", () => {
    const sql = wordpressSchemaSql('wp_shop');
    expect(sql.startsWith('USE `wp_shop`;')).toBe(true);
    expect(sql).toMatch(/CREATE TABLE IF NOT EXISTS wp_posts \(/);
    expect(sql).toMatch(/CREATE TABLE IF NOT EXISTS wp_postmeta \(/);
  });

  it('generates posts after the given id, with three meta rows each', () => {
    const sql = postsSql('wp_shop', 100, 1000);
    expect(sql.match(/FROM seq_1001_to_1100/g)).toHaveLength(2);
    expect(sql).toContain("SELECT '_edit_last' AS meta_key UNION ALL SELECT '_thumbnail_id' UNION ALL SELECT '_wp_page_template'");
    expect(() => postsSql('wp_shop', 0)).toThrow(/bad count/);
  });

  it('names upload files from the given number', () => {
    expect(uploadsScript('/u', 2, 8, 5)).toContain('i=5; while [ $i -lt 7 ]; do f=/u/img-$i.jpg; head -c 8192 /dev/urandom > $f; chown www-data:www-data $f');
    expect(uploadsScript('/u', 2, 8, 5)).not.toContain('chown -R');
  });
});
