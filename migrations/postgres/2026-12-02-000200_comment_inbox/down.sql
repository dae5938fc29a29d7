DROP TABLE comment_statuses;
