-- Stacks created before pg_net and Vault became extensions hold them as plain objects in schemas net and vault,
-- which `create extension` cannot adopt. Drop those shims (a queue and responses of a disposable stack), keeping
-- Vault's values in a session table so the default profile can put them back into the extension.
do $$
begin
  if to_regnamespace('net') is not null and not exists (select 1 from pg_extension where extname = 'pg_net') then
    drop schema net cascade;
  end if;
  if to_regnamespace('vault') is not null and not exists (select 1 from pg_extension where extname = 'supabase_vault') then
    create temp table if not exists devstack_vault_before_extension (name text, description text, secret text);
    execute 'insert into devstack_vault_before_extension select name, description, secret from vault.secrets';
    drop schema vault cascade;
  end if;
end
$$;
