/** The conditions builder's pure logic, shared by the editor, the admin routes and the tests. */
export * from './condition-rows';
export * from './condition-values';
export * from './list-query';
export * from './schema-fields';
