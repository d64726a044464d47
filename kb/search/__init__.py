"""Full-text search over the knowledge base: Chinese analyzer, Whoosh index, database sync."""
