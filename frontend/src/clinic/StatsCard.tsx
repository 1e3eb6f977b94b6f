import { useI18n } from '../i18n'
import { useStats } from './api'
import { rateText } from './logic'

function Figure({ id, label, value, sub }: { id: string; label: string; value: string; sub: string }) {
  return (
    <div className="card" data-testid={`clinic-${id}`}>
      <div className="card-label">{label}</div>
      <div className="card-value" data-testid={`clinic-value-${id}`}>
        {value}
      </div>
      <div className="card-sub">{sub}</div>
    </div>
  )
}

/** The clinic's figures of the last ``days`` days: no-show rate, price question → appointment
 * conversion, upcoming appointments, the waitlist, follow-up compliance and referrals. */
export function ClinicStatsCard({ days = 30 }: { days?: number }) {
  const { t, lang } = useI18n()
  const stats = useStats(days)
  const s = stats.data
  if (stats.isError) return <p className="error">{stats.error.message}</p>
  return (
    <section className="clinic-stats" data-testid="clinic-stats" aria-label={t('clinic.stats.period', { n: days })}>
      <div className="hint">{t('clinic.stats.period', { n: days })}</div>
      <div className="cards">
        <Figure
          id="no-show"
          label={t('clinic.stats.noShow')}
          value={s ? rateText(s.no_show_rate, lang) : '…'}
          sub={s ? t('clinic.stats.noShowSub', { no_show: s.no_show, completed: s.completed }) : ''}
        />
        <Figure
          id="conversion"
          label={t('clinic.stats.conversion')}
          value={s ? rateText(s.conversion_rate, lang) : '…'}
          sub={s ? t('clinic.stats.conversionSub', { converted: s.converted, questions: s.price_questions }) : ''}
        />
        <Figure
          id="upcoming"
          label={t('clinic.stats.upcoming')}
          value={s ? String(s.upcoming) : '…'}
          sub={s ? t('clinic.stats.upcomingSub', { cancelled: s.cancelled }) : ''}
        />
        <Figure
          id="waiting"
          label={t('clinic.stats.waiting')}
          value={s ? String(s.waitlist_waiting) : '…'}
          sub={s ? t('clinic.stats.waitingSub', { offers: s.waitlist_offers, accepted: s.waitlist_accepted }) : ''}
        />
        <Figure
          id="compliance"
          label={t('clinic.stats.compliance')}
          value={s ? rateText(s.compliance_rate, lang) : '…'}
          sub={s ? t('clinic.stats.complianceSub', { answered: s.follow_ups_answered, sent: s.follow_ups_sent }) : ''}
        />
        <Figure
          id="referrals"
          label={t('clinic.stats.referrals')}
          value={s ? String(s.referred_patients) : '…'}
          sub={
            s
              ? t('clinic.stats.referralsSub', {
                  shared: (s.referral_codes.shared ?? 0) + (s.referral_codes.used ?? 0),
                  used: s.referral_codes.used ?? 0,
                })
              : ''
          }
        />
      </div>
    </section>
  )
}
