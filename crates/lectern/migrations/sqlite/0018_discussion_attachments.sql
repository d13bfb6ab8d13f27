-- A post's attached file or image (a row of `files`, purpose 'discussion', owned by the
-- post's course). Deleting the post marks the file for deletion; the delete job then
-- removes the row, which clears this column.
ALTER TABLE discussion_posts ADD COLUMN attachment_file_id INTEGER REFERENCES files(id) ON DELETE SET NULL;
CREATE INDEX discussion_posts_attachment ON discussion_posts (attachment_file_id);
